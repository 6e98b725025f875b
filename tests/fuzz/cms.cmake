# Fuzz target for the RFC 6492 CMS decoder; seeds in corpus/cms.
updown_fuzzer(cms SOURCE ${CMAKE_CURRENT_SOURCE_DIR}/fuzz_cms.c LIBS proto_cms)
if(UPDOWN_FUZZ)
	# XXX The fuzz build instruments only fuzz_NAME itself; without this
	# libFuzzer sees no coverage inside the decoder. Belongs in the
	# top-level build (-fsanitize=fuzzer-no-link on every library).
	target_compile_options(proto_cms PRIVATE -fsanitize=fuzzer-no-link)
endif()
