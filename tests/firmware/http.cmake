# firmware/http over lwIP on the posix board, in private network namespaces.
# The tests need root (network namespaces, TAP devices); elsewhere they skip
# with the reason printed.

# updown-httpd-test: the server they (and bench_http) drive.
add_executable(updown-httpd-test ${CMAKE_CURRENT_LIST_DIR}/http/updown-httpd-test.c)
target_link_libraries(updown-httpd-test PRIVATE fw_http board_posix)

# The namespace / server / client harness.
add_library(test_http_harness STATIC ${CMAKE_CURRENT_LIST_DIR}/http/harness.c)
target_include_directories(test_http_harness PUBLIC ${CMAKE_CURRENT_LIST_DIR}
	${HTTP_PARSER_INCLUDE_DIR})
target_link_libraries(test_http_harness PUBLIC ${HTTP_PARSER_LIBRARY})
target_compile_definitions(test_http_harness PRIVATE
	UPDOWN_HTTPD_TEST="$<TARGET_FILE:updown-httpd-test>")
add_dependencies(test_http_harness updown-httpd-test)

updown_test(test_http_basic SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_http_basic.c
	LIBS test_http_harness TIMEOUT 300)
updown_test(test_http_load SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_http_load.c
	LIBS test_http_harness TIMEOUT 300)
updown_test(test_http_stop SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_http_stop.c
	LIBS test_http_harness TIMEOUT 300)
# board/posix's options and HAL backends (no network, no root).
updown_test(test_http_board SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_http_board.c LIBS board_posix)
# The lwIP port in-process: entropy seeding, RFC 6528 ISNs, options, core-lock assertion.
updown_test(test_http_lwip SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_http_lwip.c LIBS fw_lwip)
# Deferred transmission of the boards' netif drivers (fw_lwip_txq), in-process.
find_package(Threads REQUIRED)
updown_test(test_lwip_txq SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_lwip_txq.c
	LIBS fw_lwip Threads::Threads)
