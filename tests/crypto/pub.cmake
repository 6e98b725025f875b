# crypto/pub: publication point, CRL and manifest writers, end-to-end test.
# test_crl_util.c holds helpers shared by the CRL, manifest and e2e tests.
set(PUB_TEST_UTIL ${CMAKE_CURRENT_LIST_DIR}/test_crl_util.c)
updown_test(test_pubpoint SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_pubpoint.c LIBS crypto_pub)
updown_test(test_crl SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_crl.c ${PUB_TEST_UTIL}
	LIBS crypto_pub TIMEOUT 300)
updown_test(test_mft SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_mft.c ${PUB_TEST_UTIL}
	LIBS crypto_pub TIMEOUT 300)
