// Op-table rows for the conv family.
#include "op_table.h"

namespace mica::test {

std::vector<OpInfo> conv_op_infos() {
  return {};
}

}  // namespace mica::test
