# Tests of the RFC 6492 CMS codec (proto/cms*.c). Shared helpers in
# test_cms_util.c / cms/cms_test.h. Key generation dominates the run time.
set(CMS_TEST_UTIL ${CMAKE_CURRENT_SOURCE_DIR}/test_cms_util.c)
updown_test(test_cms_interop
	SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/test_cms_interop.c ${CMS_TEST_UTIL}
	LIBS proto_cms)
updown_test(test_cms_codec
	SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/test_cms_codec.c ${CMS_TEST_UTIL}
	LIBS proto_cms TIMEOUT 300)
updown_test(test_cms_openssl
	SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/test_cms_openssl.c ${CMS_TEST_UTIL}
	LIBS proto_cms TIMEOUT 300)
updown_test(test_cms_object
	SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/test_cms_object.c ${CMS_TEST_UTIL}
	LIBS proto_cms TIMEOUT 300)
updown_test(test_der_write
	SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/test_der_write.c
	LIBS proto_cms)
