# Fuzz target for the provisioning bundle decoder and verifier; seeds in corpus/bundle.
updown_fuzzer(bundle SOURCE ${CMAKE_CURRENT_SOURCE_DIR}/fuzz_bundle.c LIBS proto_bundle)
