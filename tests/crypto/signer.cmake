# Tests of the signer: test_signer runs every API test on both backends
# (software, and PKCS#11 over a SoftHSM token); test_signer_p11 covers the
# PKCS#11 backend's own matters (UD-98, UD-163, UD-164). SoftHSM leaks
# nothing at exit under LeakSanitizer (the signer finalises it and never
# unloads it), so no suppressions are needed.
find_package(Threads REQUIRED)
updown_test(test_signer SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/test_signer.c
	LIBS crypto_signer softhsm_fixture proto_cms Threads::Threads)
updown_test(test_signer_p11 SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/test_signer_p11.c
	LIBS crypto_signer softhsm_fixture mbedcrypto PkgConfig::P11KIT ${CMAKE_DL_LIBS}
	Threads::Threads)
