# Fuzz target for the RFC 6492 CMS decoder; seeds in corpus/cms.
updown_fuzzer(cms SOURCE ${CMAKE_CURRENT_SOURCE_DIR}/fuzz_cms.c LIBS proto_cms)
