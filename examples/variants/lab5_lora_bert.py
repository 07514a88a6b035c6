"""Example submissions of lab 5 besides ``full`` and ``untouched`` (see examples/build.py)."""
# SOLUTION is injected by examples/build.py: "use the master's answer for this cell".

VARIANTS = {
    # Parts 1-4 answered correctly (baseline, feature extraction, LoRA, training with early stopping);
    # saving/reloading the adapter and merging left as handed out.
    "partial": {"q1-answer": SOLUTION, "q2-answer": SOLUTION, "q3-answer": SOLUTION, "q4-answer": SOLUTION},
    # Everything answered, but LoRA targets the attention projections by their LLaMA names: BERT has
    # no q_proj / v_proj, so get_peft_model raises "No modules were targeted for adaptation" and every
    # part after the LoRA set-up fails with it.
    "llama-targets": {
        "q1-answer": SOLUTION, "q2-answer": SOLUTION, "q4-answer": SOLUTION, "q5-answer": SOLUTION,
        "q6-answer": SOLUTION,
        "q3-answer": '''
lora_config = LoraConfig(task_type=TaskType.SEQ_CLS, r=LORA_R, lora_alpha=LORA_ALPHA,
                         lora_dropout=LORA_DROPOUT, target_modules=["q_proj", "v_proj"])
lora_model = get_peft_model(load_base_model(), lora_config)
lora_model.print_trainable_parameters()

lora_trainable, lora_total = count_trainable(lora_model)
hidden, layers = lora_model.config.hidden_size, lora_model.config.num_hidden_layers
lora_matrix_params = layers * 2 * LORA_R * (hidden + hidden)
lora_fraction = lora_trainable / lora_total
reduction = fe_total / lora_trainable
''',
    },
}
