# firmware/http: the HTTP/1.1 server on lwIP (RFC 6492 transport: UD-1..UD-5,
# UD-165), parsing with node's http_parser (Debian's libhttp-parser-dev).
# Also builds lwIP itself (firmware/lwip.cmake: fw_lwip).
include(${CMAKE_CURRENT_LIST_DIR}/lwip.cmake)

find_path(HTTP_PARSER_INCLUDE_DIR http_parser.h REQUIRED)
find_library(HTTP_PARSER_LIBRARY http_parser REQUIRED)
add_library(fw_http STATIC
	${CMAKE_CURRENT_LIST_DIR}/http.c
	${CMAKE_CURRENT_LIST_DIR}/http_req.c)
target_include_directories(fw_http PUBLIC ${FIRMWARE_INCLUDE})
target_include_directories(fw_http PRIVATE ${HTTP_PARSER_INCLUDE_DIR})
target_link_libraries(fw_http PUBLIC hal fw_lwip PRIVATE ${HTTP_PARSER_LIBRARY})
