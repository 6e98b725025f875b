# RFC 6492 codec: decode, and round-trip whatever decodes.
updown_fuzzer(updown SOURCE ${CMAKE_CURRENT_SOURCE_DIR}/fuzz_updown.c LIBS proto_updown)
