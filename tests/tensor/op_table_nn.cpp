// Op-table rows for the nn family.
#include "op_table.h"

namespace mica::test {

std::vector<OpInfo> nn_op_infos() {
  return {};
}

}  // namespace mica::test
