updown_fuzzer(oob SOURCE ${CMAKE_CURRENT_SOURCE_DIR}/fuzz_oob.c LIBS proto_oob)
if(UPDOWN_FUZZ)
	# XXX The fuzz build instruments only the fuzz_NAME executables, so
	# libFuzzer saw no coverage inside the codec; instrument ours here until
	# the top-level build adds -fsanitize=fuzzer-no-link to every library.
	target_compile_options(proto_oob PRIVATE -fsanitize=fuzzer-no-link)
endif()
