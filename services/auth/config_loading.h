#pragma once
// Loading the configuration with aaiti-auth's flags folded in, then setting up logging from it.
#include "common/config.h"
#include "services/auth/auth_service.h"

namespace aaiti::auth {

// Flags > environment > stack file > defaults (common/config.h). Logging: --log-level or LOG_LEVEL;
// --log-format, else LOG_FORMAT when set explicitly, else JSON (services log JSON lines).
Config load_config_and_logging(const CommonOptions& options);

}  // namespace aaiti::auth
