# Tests of the provisioning bundle codec (proto/bundle*.c). Shared helpers
# in test_bundle_util.c / bundle/bundle_test.h (an independent builder).
# RSA key generation dominates the run time, most of all under ASan.
set(BUNDLE_TEST_UTIL ${CMAKE_CURRENT_SOURCE_DIR}/test_bundle_util.c)
updown_test(test_bundle_codec
	SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/test_bundle_codec.c ${BUNDLE_TEST_UTIL}
	LIBS proto_bundle TIMEOUT 300)
updown_test(test_bundle_verify
	SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/test_bundle_verify.c ${BUNDLE_TEST_UTIL}
	LIBS proto_bundle TIMEOUT 300)
updown_test(test_bundle_openssl
	SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/test_bundle_openssl.c ${BUNDLE_TEST_UTIL}
	LIBS proto_bundle TIMEOUT 300)
