# Tests of crypto/csr (RFC 6487 section 6 requests, UD-70..UD-76, UD-84).
# Shared helpers in test_csr_util.c / csr/csr_test.h.
set(_csr_util ${CMAKE_CURRENT_SOURCE_DIR}/test_csr_util.c)
updown_test(test_csr
	SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/test_csr.c ${_csr_util}
	LIBS crypto_csr proto_updown mbedcrypto)
updown_test(test_csr_openssl
	SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/test_csr_openssl.c ${_csr_util}
	LIBS crypto_csr mbedcrypto)
