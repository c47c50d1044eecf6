# ch02_gpt_fortunes resume test (CTest, cmake -P): a quick run of 40 steps in one go, and the
# same run stopped after step 20 (checkpoint) then resumed, must report bitwise equal final
# train and validation losses. Inputs: -DEXE=<ch02_gpt_fortunes> -DOUT=<scratch folder>.
file(REMOVE_RECURSE ${OUT})
set(common --quick --steps 40 --threads 1 --checkpoint-every 20 --classify-per-class 0
           --gen-tokens 8 --out ${OUT})

function(run_step)
  execute_process(COMMAND ${EXE} ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out
                  ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "ch02_gpt_fortunes ${ARGN} failed (${rc}):\n${out}\n${err}")
  endif()
endfunction()

run_step(${common} --name whole)
run_step(${common} --name split --stop-after 20)
file(READ ${OUT}/split/final.json stopped)
if(NOT stopped MATCHES "\"steps\": 20,")
  message(FATAL_ERROR "the interrupted run did not stop at step 20: ${stopped}")
endif()
run_step(--resume ${OUT}/split --threads 1)

file(READ ${OUT}/whole/final.json whole)
file(READ ${OUT}/split/final.json split)
foreach(key final_train_loss final_val_loss)
  string(REGEX MATCH "\"${key}\": [^,}]+" a "${whole}")
  string(REGEX MATCH "\"${key}\": [^,}]+" b "${split}")
  if(a STREQUAL "" OR NOT a STREQUAL b)
    message(FATAL_ERROR "resume changed ${key}: uninterrupted {${a}} vs resumed {${b}}")
  endif()
  message(STATUS "resume: ${a} in both runs")
endforeach()
