# proto/conf fuzz target: configuration parse/check/print round trip and
# operator key files on the same bytes.
updown_fuzzer(conf SOURCE ${CMAKE_CURRENT_LIST_DIR}/fuzz_conf.c LIBS proto_conf)
