# crypto/pub: publication point, CRL and manifest writers, end-to-end test.
updown_test(test_pubpoint SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_pubpoint.c LIBS crypto_pub)
