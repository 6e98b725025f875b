# proto/res: RFC 3779 resource sets (text UD-58, DER UD-95/UD-96, algebra UD-57/UD-65).
updown_test(test_res_text SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_res_text.c LIBS proto_res)
updown_test(test_res_set SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_res_set.c LIBS proto_res)
updown_test(test_res_der SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_res_der.c LIBS proto_res)
