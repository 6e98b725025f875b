updown_test(test_xml SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/test_xml.c LIBS proto_xml)
