// Op-table rows for the view family.
#include "op_table.h"

namespace mica::test {

std::vector<OpInfo> view_op_infos() {
  return {};
}

}  // namespace mica::test
