# crypto/cert: the RFC 6487 CA certificate parser (import of a parent's
# certificate, loading of our own) on arbitrary bytes; seeds in corpus/cert.
updown_fuzzer(cert SOURCE ${CMAKE_CURRENT_SOURCE_DIR}/fuzz_cert.c
	LIBS crypto_cert crypto_signer)
