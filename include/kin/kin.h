#pragma once
// The header a program includes to use kin. It declares the JSON type without
// defining it; include <kin/json.h> as well to build arguments and read results as
// JSON (the service methods' form).

#include "kin/database.h"        // IWYU pragma: export
#include "kin/feed.h"            // IWYU pragma: export
#include "kin/options.h"         // IWYU pragma: export
#include "kin/read_view.h"       // IWYU pragma: export
#include "kin/schema.h"          // IWYU pragma: export
#include "kin/schema_builder.h"  // IWYU pragma: export
#include "kin/status.h"          // IWYU pragma: export
#include "kin/value.h"           // IWYU pragma: export
