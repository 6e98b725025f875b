# Tests of crypto/verify (RSA signature checks and SHA-256 on libcrypto).
find_package(Threads REQUIRED)
updown_test(test_verify SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/test_verify.c
	LIBS crypto_verify mbedcrypto Threads::Threads)
