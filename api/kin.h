#pragma once
// The one header a program includes to use kin.

#include "api/database.h"        // IWYU pragma: export
#include "api/read_view.h"       // IWYU pragma: export
#include "api/schema_builder.h"  // IWYU pragma: export
#include "api/schema_json.h"     // IWYU pragma: export
