# Runs `smm-dispatchd --check-config` and checks its exit code and output.
#   -DBIN=<smm-dispatchd> -DCONFIG=<file> -DEXPECT_RC=<0|1>
#   [-DEXPECT_STDOUT=<regex>] [-DEXPECT_STDERR=<regex>] [-DEMPTY_STDERR=ON]
#   [-DWORK_DIR=<dir> -DKEY_FILES=<a.key;b.key> -DENV=<NAME=value>]: copy CONFIG into WORK_DIR,
#   create the key files it names (mode 600) and set ENV, as an operator would.
cmake_minimum_required(VERSION 3.25)
foreach(var BIN CONFIG EXPECT_RC)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "run_check_config.cmake: ${var} is required")
  endif()
endforeach()

set(config "${CONFIG}")
if(DEFINED WORK_DIR)
  file(REMOVE_RECURSE "${WORK_DIR}")
  file(MAKE_DIRECTORY "${WORK_DIR}")
  get_filename_component(name "${CONFIG}" NAME)
  file(COPY_FILE "${CONFIG}" "${WORK_DIR}/${name}")
  set(config "${WORK_DIR}/${name}")
  foreach(key IN LISTS KEY_FILES)
    file(WRITE "${WORK_DIR}/${key}" "test-key-for-${key}\n")
    file(CHMOD "${WORK_DIR}/${key}" PERMISSIONS OWNER_READ OWNER_WRITE)
  endforeach()
endif()

set(command "${BIN}" --check-config "${config}")
if(DEFINED ENV)
  set(command "${CMAKE_COMMAND}" -E env "${ENV}" ${command})
endif()
execute_process(COMMAND ${command} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err
                TIMEOUT 60)
message(STATUS "exit code: ${rc}\nstdout:\n${out}\nstderr:\n${err}")

if(NOT rc EQUAL EXPECT_RC)
  message(FATAL_ERROR "expected exit code ${EXPECT_RC}, got ${rc}")
endif()
if(DEFINED EXPECT_STDOUT AND NOT out MATCHES "${EXPECT_STDOUT}")
  message(FATAL_ERROR "stdout does not match: ${EXPECT_STDOUT}")
endif()
if(DEFINED EXPECT_STDERR AND NOT err MATCHES "${EXPECT_STDERR}")
  message(FATAL_ERROR "stderr does not match: ${EXPECT_STDERR}")
endif()
if(EMPTY_STDERR AND NOT err STREQUAL "")
  message(FATAL_ERROR "expected no errors or warnings on stderr")
endif()
