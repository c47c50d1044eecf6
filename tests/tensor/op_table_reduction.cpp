// Op-table rows for the reduction family.
#include "op_table.h"

namespace mica::test {

std::vector<OpInfo> reduction_op_infos() {
  return {};
}

}  // namespace mica::test
