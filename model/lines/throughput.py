"""D2 throughput: one replica is the set of GPUs that holds one copy of the model."""

from .. import xp
from ..registry import line

S = "D2"


@line(S, "GB", "Weights", "model_params_b*bytes_per_param")
def weight_gb(model_params_b, bytes_per_param):
    """model_params_b · bytes_per_param"""
    return model_params_b * bytes_per_param


@line(S, "GPUs", "Minimum GPUs for the weights",
      "MAX(1,ROUNDUP(ROUND(weight_gb/(hbm_capacity_gb*hbm_usable_fraction),9),0))")
def min_gpus_for_weights(weight_gb, hbm_capacity_gb, hbm_usable_fraction):
    """max(1, ceiling(round(weight_gb / (hbm_capacity_gb · hbm_usable_fraction), 9)))"""
    return xp.maximum(1.0, xp.ceil(xp.round_(weight_gb / (hbm_capacity_gb * hbm_usable_fraction), 9)))


@line(S, "GPUs", "GPUs per replica",
      "IF(min_gpus_for_weights<=gpus_per_node,"
      "MIN(gpus_per_node,2^ROUNDUP(ROUND(LOG(min_gpus_for_weights,2),9),0)),"
      "gpus_per_node*ROUNDUP(min_gpus_for_weights/gpus_per_node,0))")
def gpus_per_replica(min_gpus_for_weights, gpus_per_node):
    """n = min_gpus_for_weights, g = gpus_per_node: min(g, 2^ceiling(round(log2 n, 9))) when n ≤ g
    (tensor parallelism within a node uses a power of two), else g · ceiling(n / g) (whole nodes)"""
    n, g = min_gpus_for_weights, gpus_per_node
    within = xp.minimum(g, 2.0 ** xp.ceil(xp.round_(xp.log2(n), 9)))
    return xp.where(n <= g, within, g * xp.ceil(n / g))


@line(S, "sequences", "Max batch by memory",
      "INT(ROUND((gpus_per_replica*hbm_capacity_gb-weight_gb)/kv_gb_per_sequence,9))")
def max_batch_by_memory(gpus_per_replica, hbm_capacity_gb, weight_gb, kv_gb_per_sequence):
    """floor(round((gpus_per_replica · hbm_capacity_gb − weight_gb) / kv_gb_per_sequence, 9))"""
    return xp.floor(xp.round_((gpus_per_replica * hbm_capacity_gb - weight_gb) / kv_gb_per_sequence, 9))


@line(S, "sequences", "Effective batch",
      "IF(MIN(batch_size,max_batch_by_memory)<1,NA(),MIN(batch_size,max_batch_by_memory))")
def effective_batch(batch_size, max_batch_by_memory):
    """min(batch_size, max_batch_by_memory); below 1 the model does not fit (bad input)"""
    return xp.minimum(batch_size, max_batch_by_memory)


@line(S, "s", "Decode step time",
      "MAX((weight_gb+effective_batch*kv_gb_per_sequence)/(gpus_per_replica*hbm_bandwidth_tb_s*1000*memory_efficiency),"
      "2*model_params_b*effective_batch/(gpus_per_replica*peak_tflops*1000*mfu))")
def decode_step_seconds(weight_gb, effective_batch, kv_gb_per_sequence, gpus_per_replica, hbm_bandwidth_tb_s,
                        memory_efficiency, model_params_b, peak_tflops, mfu):
    """max((weight_gb + effective_batch · kv_gb_per_sequence) / (gpus · hbm_bandwidth_tb_s · 1000 · memory_efficiency),
    2 · model_params_b · effective_batch / (gpus · peak_tflops · 1000 · mfu))"""
    memory = (weight_gb + effective_batch * kv_gb_per_sequence) / (
        gpus_per_replica * hbm_bandwidth_tb_s * 1000 * memory_efficiency)
    compute = 2 * model_params_b * effective_batch / (gpus_per_replica * peak_tflops * 1000 * mfu)
    return xp.maximum(memory, compute)


@line(S, "tokens/s", "Decode tokens per second (replica)",
      "IF(measured_decode_tokens_per_sec>0,measured_decode_tokens_per_sec,"
      "effective_batch/decode_step_seconds*optimization_multiplier)")
def decode_tokens_per_sec(measured_decode_tokens_per_sec, effective_batch, decode_step_seconds,
                          optimization_multiplier):
    """measured_decode_tokens_per_sec if > 0, else effective_batch / decode_step_seconds · optimization_multiplier"""
    roofline = effective_batch / decode_step_seconds * optimization_multiplier
    return xp.where(measured_decode_tokens_per_sec > 0, measured_decode_tokens_per_sec, roofline)


@line(S, "tokens/s", "Prefill tokens per second (replica)",
      "gpus_per_replica*peak_tflops*1000*mfu/(2*model_params_b)*optimization_multiplier")
def prefill_tokens_per_sec(gpus_per_replica, peak_tflops, mfu, model_params_b, optimization_multiplier):
    """gpus_per_replica · peak_tflops · 1000 · mfu / (2 · model_params_b) · optimization_multiplier"""
    return gpus_per_replica * peak_tflops * 1000 * mfu / (2 * model_params_b) * optimization_multiplier


@line(S, "$/h", "Replica cost per hour", "gpus_per_replica*total_cost_per_gpu_hour")
def replica_cost_per_hour(gpus_per_replica, total_cost_per_gpu_hour):
    """gpus_per_replica · total_cost_per_gpu_hour"""
    return gpus_per_replica * total_cost_per_gpu_hour


@line(S, "$/M tokens", "Cost per M output tokens",
      "replica_cost_per_hour*tokens_per_million/(decode_tokens_per_sec*seconds_per_hour*serving_utilization)")
def cost_per_m_output_tokens(replica_cost_per_hour, tokens_per_million, decode_tokens_per_sec, seconds_per_hour,
                             serving_utilization):
    """replica_cost_per_hour · 1e6 / (decode_tokens_per_sec · 3600 · serving_utilization)"""
    return replica_cost_per_hour * tokens_per_million / (decode_tokens_per_sec * seconds_per_hour * serving_utilization)


@line(S, "$/M tokens", "Cost per M input tokens",
      "replica_cost_per_hour*tokens_per_million/(prefill_tokens_per_sec*seconds_per_hour*serving_utilization)")
def cost_per_m_input_tokens(replica_cost_per_hour, tokens_per_million, prefill_tokens_per_sec, seconds_per_hour,
                            serving_utilization):
    """replica_cost_per_hour · 1e6 / (prefill_tokens_per_sec · 3600 · serving_utilization)"""
    return replica_cost_per_hour * tokens_per_million / (prefill_tokens_per_sec * seconds_per_hour * serving_utilization)


@line(S, "×", "Output / input cost ratio", "cost_per_m_output_tokens/cost_per_m_input_tokens")
def output_input_cost_ratio(cost_per_m_output_tokens, cost_per_m_input_tokens):
    """cost_per_m_output_tokens / cost_per_m_input_tokens"""
    return cost_per_m_output_tokens / cost_per_m_input_tokens


@line(S, "$/M tokens", "Cost per M visible output tokens",
      "cost_per_m_output_tokens*(1+reasoning_tokens_per_output_token)")
def cost_per_m_visible_output_tokens(cost_per_m_output_tokens, reasoning_tokens_per_output_token):
    """cost_per_m_output_tokens · (1 + reasoning_tokens_per_output_token)"""
    return cost_per_m_output_tokens * (1 + reasoning_tokens_per_output_token)


@line(S, "$/M tokens", "Blended cost per M tokens",
      "(input_tokens_per_output_token*cost_per_m_input_tokens+cost_per_m_visible_output_tokens)"
      "/(input_tokens_per_output_token+1)")
def blended_cost_per_m_tokens(input_tokens_per_output_token, cost_per_m_input_tokens,
                              cost_per_m_visible_output_tokens):
    """(r · cost_per_m_input_tokens + cost_per_m_visible_output_tokens) / (r + 1), r = input_tokens_per_output_token"""
    r = input_tokens_per_output_token
    return (r * cost_per_m_input_tokens + cost_per_m_visible_output_tokens) / (r + 1)
