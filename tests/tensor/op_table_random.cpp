// Op-table rows for the random family.
#include "op_table.h"

namespace mica::test {

std::vector<OpInfo> random_op_infos() {
  return {};
}

}  // namespace mica::test
