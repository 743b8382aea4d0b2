# Run after a test executable is built (POST_BUILD, see aaiti_add_test_executable): asks it for its
# tests of each kind and writes the CTest script that registers them with their labels, environment
# and fixture. Catch's own catch_discover_tests() was replaced because it cannot set list-valued
# properties (several ENVIRONMENT entries, several LABELS) and warns for every kind a suite lacks.
#
# Inputs (-D): TEST_EXECUTABLE, TEST_TARGET, CTEST_FILE, WORKING_DIR, SERVERS_ENV, BUILD_DIR, SOURCE_DIR.
set(script "")
set(env "AAITI_TEST_SERVERS_ENV=${SERVERS_ENV};AAITI_BUILD_DIR=${BUILD_DIR};AAITI_SOURCE_DIR=${SOURCE_DIR}")

foreach(kind unit pg e2e)
  if(kind STREQUAL "unit")
    set(spec "~[pg]~[e2e]")
    set(fixture "")
  else()
    set(spec "[${kind}]")
    set(fixture "FIXTURES_REQUIRED aaiti_servers")
  endif()
  execute_process(COMMAND "${TEST_EXECUTABLE}" "${spec}" --list-test-names-only
                  OUTPUT_VARIABLE output RESULT_VARIABLE result WORKING_DIRECTORY "${WORKING_DIR}")
  # Catch2 v2 exits with the number of tests listed; only a negative code or a crash is a failure.
  if(NOT result MATCHES "^[0-9]+$")
    message(FATAL_ERROR "listing the tests of ${TEST_EXECUTABLE} failed: ${result}\n${output}")
  endif()
  string(REPLACE ";" "\\;" output "${output}")
  string(REPLACE "\n" ";" names "${output}")
  foreach(name IN LISTS names)
    if(name STREQUAL "")
      continue()
    endif()
    # On Catch's command line a comma separates specs and brackets open tags: escape them.
    set(spec_name "${name}")
    foreach(char , [ ])
      string(REPLACE "${char}" "\\${char}" spec_name "${spec_name}")
    endforeach()
    string(APPEND script
      "add_test([==[${kind}.${name}]==] [==[${TEST_EXECUTABLE}]==] [==[${spec_name}]==])\n"
      "set_tests_properties([==[${kind}.${name}]==] PROPERTIES WORKING_DIRECTORY [==[${WORKING_DIR}]==] "
      "LABELS [==[${kind};${TEST_TARGET}]==] ENVIRONMENT [==[${env}]==] ${fixture})\n")
  endforeach()
endforeach()

file(WRITE "${CTEST_FILE}" "${script}")
