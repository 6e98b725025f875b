# crypto/pub: publication point, CRL and manifest writers, end-to-end test.
# test_cert_util.c (beside the certificate tests) holds their helpers.
set(PUB_TEST_UTIL ${CMAKE_CURRENT_LIST_DIR}/test_cert_util.c)
updown_test(test_pubpoint SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_pubpoint.c LIBS crypto_pub)
updown_test(test_crl SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_crl.c ${PUB_TEST_UTIL}
	LIBS crypto_pub TIMEOUT 300)
# The end-to-end acceptance test: SoftHSM and software CA keys, judged by
# rpki-client and FORT through tests/referees/run-referees.
updown_test(test_ca_e2e SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_ca_e2e.c ${PUB_TEST_UTIL}
	LIBS crypto_pub softhsm_fixture TIMEOUT 900)
target_compile_definitions(test_ca_e2e PRIVATE
	UPDOWN_RUN_REFEREES="${CMAKE_CURRENT_LIST_DIR}/../referees/run-referees")
updown_test(test_mft SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_mft.c ${PUB_TEST_UTIL}
	LIBS crypto_pub TIMEOUT 300)
