# `header_check` (not part of ALL; CI builds it): every project header compiled alone, as the
# only include of its own translation unit, without the precompiled asio/beast header, so a
# header that leans on what its includer happened to include first fails here, not later in
# someone else's file.
set(smm_header_dirs config daemon dispatch logging providers store tools)
set(smm_header_libs smm_dispatch smm_config smm_store smm_store_postgresql smm_store_open smm_providers_core smm_provider_client
    smm_net_listener smm_apiv2_http smm_metrics_http smm_engine smm_daemon_cli smm_daemon_runtime
    smm_daemon_reload smm_panel_socket smm_loadgen_stats smm_mock_core smm_dispatchctl_core
    smm_demo_core smm_logging)
set(smm_header_sources "")
foreach(dir ${smm_header_dirs})
  file(GLOB_RECURSE headers CONFIGURE_DEPENDS RELATIVE ${PROJECT_SOURCE_DIR} ${PROJECT_SOURCE_DIR}/${dir}/*.hpp)
  foreach(h ${headers})
    string(MAKE_C_IDENTIFIER "${h}" id)
    set(src ${PROJECT_BINARY_DIR}/header_check/${id}.cpp)
    set(text "#include \"${h}\"  // alone: it must compile with nothing before it\n")
    if(EXISTS ${src})
      file(READ ${src} old)
    endif()
    if(NOT old STREQUAL text)  # rewritten only on change, so ccache and ninja keep their work
      file(WRITE ${src} "${text}")
    endif()
    set(old "")
    list(APPEND smm_header_sources ${src})
  endforeach()
endforeach()
add_library(header_check OBJECT EXCLUDE_FROM_ALL ${smm_header_sources})
foreach(lib ${smm_header_libs})
  if(TARGET ${lib})
    target_link_libraries(header_check PRIVATE ${lib})
  endif()
endforeach()
target_link_libraries(header_check PRIVATE smm_warnings)
set_target_properties(header_check PROPERTIES DISABLE_PRECOMPILE_HEADERS ON)
