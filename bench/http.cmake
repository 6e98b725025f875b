# bench_http: requests/s and latency (p50/p99) with 1/4/16/64 concurrent
# clients against firmware/http on lwIP over a TAP device (test server with a
# trivial handler), in a network namespace it creates; needs root.
find_package(Threads REQUIRED)
add_executable(bench_http ${CMAKE_CURRENT_LIST_DIR}/bench_http.c)
target_link_libraries(bench_http PRIVATE test_http_harness Threads::Threads)
