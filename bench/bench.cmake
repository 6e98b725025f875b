add_executable(bench_proto ${CMAKE_CURRENT_SOURCE_DIR}/bench_proto.c)
target_link_libraries(bench_proto PRIVATE updown_proto mbedx509 mbedcrypto)
target_compile_definitions(bench_proto PRIVATE BENCH_TESTDATA="${CMAKE_SOURCE_DIR}/tests/data")
