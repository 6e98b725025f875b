# proto/updown tests: interop corpus and round trips, hostile samples, API.
set(_ud_util ${CMAKE_CURRENT_SOURCE_DIR}/test_updown_util.c)
updown_test(test_updown
	SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/test_updown.c ${_ud_util}
	LIBS proto_updown)
updown_test(test_updown_neg
	SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/test_updown_neg.c ${_ud_util}
	LIBS proto_updown)
updown_test(test_updown_api
	SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/test_updown_api.c ${_ud_util}
	LIBS proto_updown)
