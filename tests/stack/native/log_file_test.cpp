// The supervisor's logs keep at most two generations, so a chatty process cannot fill the disk.
#include <catch2/catch.hpp>

#include <filesystem>

#include "stack/native/log_file.h"
#include "tests/support/temp_dir.h"

namespace aaiti::test {

TEST_CASE("a log past its size limit moves to .1 and starts over, replacing the older generation") {
    TempDir dir("aaiti-log");
    const auto path = dir / "auth-1.log";
    {
        stack::native::LogFile log(path.string(), 100);
        log.write(std::string(60, 'a') + "\n");
        log.write(std::string(60, 'b') + "\n");  // would pass 100 bytes: the a's become auth-1.log.1
        log.write(std::string(60, 'c') + "\n");  // again: the b's replace them
    }
    CHECK(read_text_file(path) == std::string(60, 'c') + "\n");
    CHECK(read_text_file(dir / "auth-1.log.1") == std::string(60, 'b') + "\n");
    CHECK_FALSE(std::filesystem::exists(dir / "auth-1.log.2"));

    stack::native::LogFile reopened(path.string(), 100);  // appends, counting what is there
    reopened.write("d\n");
    CHECK(read_text_file(path) == std::string(60, 'c') + "\nd\n");
}

}  // namespace aaiti::test
