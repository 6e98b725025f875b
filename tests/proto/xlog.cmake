# proto/xlog: the exchange log file codec (UD-160).
updown_test(test_xlog SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_xlog.c LIBS proto_xlog)
