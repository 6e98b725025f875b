updown_test(test_oob SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/test_oob.c LIBS proto_oob mbedcrypto)
