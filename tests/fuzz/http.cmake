# firmware/http fuzz target: one connection's bytes through the request
# layer (http_req.c on node's http_parser), pieced and pipelined as TCP
# delivers them; routing, Content-Type policy and body bounds checked.
updown_fuzzer(http SOURCE ${CMAKE_CURRENT_LIST_DIR}/fuzz_http.c LIBS fw_http)
target_include_directories(replay_http PRIVATE ${PROJECT_SOURCE_DIR}/firmware
	${HTTP_PARSER_INCLUDE_DIR})
if(UPDOWN_FUZZ)
	target_include_directories(fuzz_http PRIVATE ${PROJECT_SOURCE_DIR}/firmware
		${HTTP_PARSER_INCLUDE_DIR})
	target_link_libraries(fuzz_http PRIVATE ${HTTP_PARSER_LIBRARY})
endif()
target_link_libraries(replay_http PRIVATE ${HTTP_PARSER_LIBRARY})
