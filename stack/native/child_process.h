#pragma once
// Starting one program the way a supervisor must: its own process group (so stopping it stops what it
// forked), a parent-death signal (so it never outlives a supervisor that was killed), an exact
// environment, stdin from /dev/null, stdout+stderr on one pipe we read, and the unprivileged user it must
// run as.
#include <string>
#include <sys/types.h>

#include "stack/native/native_plan.h"

namespace aaiti::stack::native {

struct StartedChild {
    pid_t pid = -1;     // also its process group id
    int output_fd = -1; // read end of its stdout+stderr, non-blocking, close-on-exec; the caller closes it
};

// Throws IoError when it cannot be started (fork/pipe failure, unknown user). An exec failure shows up as
// exit status 127 with the reason written to its output.
StartedChild start_child(const Command& command, const std::string& working_dir);

// Sends `signal` to the child's whole process group; false if the group is gone.
bool signal_group(pid_t pgid, int signal);

}  // namespace aaiti::stack::native
