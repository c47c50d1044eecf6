// Op-table rows for the linalg family.
#include "op_table.h"

namespace mica::test {

std::vector<OpInfo> linalg_op_infos() {
  return {};
}

}  // namespace mica::test
