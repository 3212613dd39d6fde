// `kin demo`: placeholder until the walkthrough lands.
#include <cstdio>

#include "tools/commands.h"

namespace kin::tools {
int RunDemo(const DemoOptions&) {
  std::fprintf(stderr, "kin demo: not built yet\n");
  return 1;
}
}  // namespace kin::tools
