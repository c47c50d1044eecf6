// Op-table rows for the indexing family.
#include "op_table.h"

namespace mica::test {

std::vector<OpInfo> indexing_op_infos() {
  return {};
}

}  // namespace mica::test
