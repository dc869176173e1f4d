# The ThreadSanitizer run's first and last test (tests/CMakeLists.txt, fixture tsan_reports).
#   cmake -DMODE=clear -DDIR=<build>/tsan-reports -P tsan_reports.cmake
#   cmake -DMODE=check -DDIR=<build>/tsan-reports -P tsan_reports.cmake
# Every process of the run writes its reports to DIR/tsan.<pid> (TSAN_OPTIONS log_path, set by
# the tsan test preset): the test process, and the daemons, mocks and smm-dispatchctl it
# starts, whose stderr goes to logs the tests delete. `clear` empties DIR and checks that
# TSAN_OPTIONS does point there (else the run would look clean and prove nothing); `check`
# fails, printing each report, when any was written.
if(NOT DIR)
  message(FATAL_ERROR "DIR is not set")
endif()

if(MODE STREQUAL "clear")
  if(NOT "$ENV{TSAN_OPTIONS}" MATCHES "log_path=${DIR}/")
    message(FATAL_ERROR "TSAN_OPTIONS must carry log_path=${DIR}/tsan (it is \"$ENV{TSAN_OPTIONS}\"): "
                        "run the tests with `ctest --preset tsan -L tsan` (make test-tsan)")
  endif()
  file(REMOVE_RECURSE ${DIR})
  file(MAKE_DIRECTORY ${DIR})
elseif(MODE STREQUAL "check")
  file(GLOB reports ${DIR}/*)
  if(reports)
    list(LENGTH reports n)
    foreach(r ${reports})
      file(READ ${r} text)
      message("---- ${r}\n${text}")
    endforeach()
    message(FATAL_ERROR "ThreadSanitizer: ${n} process(es) reported (above; files in ${DIR})")
  endif()
  message(STATUS "ThreadSanitizer: no reports")
else()
  message(FATAL_ERROR "MODE must be clear or check")
endif()
