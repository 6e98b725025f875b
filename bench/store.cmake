# bench_store: firmware/store open, lookup and durable-commit times, and the
# database size, at 100 / 1,000 / 10,000 children.
add_executable(bench_store ${CMAKE_CURRENT_LIST_DIR}/bench_store.c)
target_link_libraries(bench_store PRIVATE fw_store)
target_include_directories(bench_store PRIVATE ${CMAKE_SOURCE_DIR}/tests)
