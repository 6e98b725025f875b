updown_fuzzer(oob SOURCE ${CMAKE_CURRENT_SOURCE_DIR}/fuzz_oob.c LIBS proto_oob)
