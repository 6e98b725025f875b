add_library(proto_xml STATIC ${CMAKE_CURRENT_SOURCE_DIR}/xml.c)
target_include_directories(proto_xml PUBLIC ${PROTO_INCLUDE})
target_link_libraries(proto_xml PUBLIC PkgConfig::MXML)
