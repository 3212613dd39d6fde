#include "kin/options.h"

namespace kin {

const char* LogEventName(LogEvent event) {
  switch (event) {
    case LogEvent::kOpen: return "open";
    case LogEvent::kCut: return "cut";
    case LogEvent::kRepair: return "repair";
    case LogEvent::kSnapshot: return "snapshot";
    case LogEvent::kDiskError: return "disk_error";
  }
  return "unknown";
}

}  // namespace kin
