# crypto/csr: PKCS#10 request check under both policies, and URI checks.
updown_fuzzer(csr SOURCE ${CMAKE_CURRENT_SOURCE_DIR}/fuzz_csr.c LIBS crypto_csr)
