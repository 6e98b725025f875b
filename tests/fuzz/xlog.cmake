# proto/xlog fuzz target: walk the records of an exchange log (UD-160),
# re-encode each header, check offsets, pointers and truncation.
updown_fuzzer(xlog SOURCE ${CMAKE_CURRENT_LIST_DIR}/fuzz_xlog.c LIBS proto_xlog)
