# proto/alloc fuzz target: allocation table parse/print round trip,
# validate, diff, and the RIR statistics import on the same bytes.
updown_fuzzer(alloc SOURCE ${CMAKE_CURRENT_LIST_DIR}/fuzz_alloc.c LIBS proto_alloc)
