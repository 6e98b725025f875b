# firmware/engine: the issuer engine. tests/firmware/engine/fixture.c builds
# a CA, children, requests and checks replies and certificates; RSA key
# generation (shared within each program) dominates the run time. The
# referees (tests/referees/run-referees: rpki-client, FORT) judge the
# publication point where a test says so; they are skipped when missing.
set(_engine_fixture ${CMAKE_CURRENT_LIST_DIR}/engine/fixture.c)
set(_engine_libs fw_engine fw_store crypto_pub crypto_cert crypto_csr crypto_signer
	proto_alloc proto_oob proto_updown proto_cms proto_res)
foreach(t test_engine test_engine_auth test_engine_alloc test_engine_crash test_engine_hsm
		test_engine_scale)
	set(_extra)
	if(t STREQUAL "test_engine_hsm")
		set(_extra softhsm_fixture)
	endif()
	updown_test(${t} SOURCES ${CMAKE_CURRENT_LIST_DIR}/${t}.c ${_engine_fixture}
		LIBS ${_engine_libs} ${_extra} TIMEOUT 900)
	target_include_directories(${t} PRIVATE ${CMAKE_CURRENT_LIST_DIR}/engine)
	target_compile_definitions(${t} PRIVATE
		UPDOWN_RUN_REFEREES="${CMAKE_SOURCE_DIR}/tests/referees/run-referees")
endforeach()
