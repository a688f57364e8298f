/// A hand-written fixture with one shape per refusal reason, so every count
/// below can be explained by reading it (and `objdump -d` of it):
///
/// - `ok_call`: `call *paravirt_ops+8(%rip)`, 6 bytes: the one safe site.
/// - `tail`: `jmp *paravirt_ops+16(%rip)`: a tail jump (`tail-call`).
/// - `into_call`: `jne 1f+2` lands 2 bytes into the call that follows
///   (`jump-target-inside`).
/// - `via_reg`: a load then `call *%rax`, 2 bytes (dataflow: `too-short`);
///   naive guesses the call 2 bytes before the load's disp32, at +1, inside
///   the 7-byte `mov` (`mid-instruction`).
/// - `movl_only`: `movl paravirt_ops+40(%rip),%eax`, `8b 05 disp32`: naive's
///   guess starts it, a 6-byte load (`not-a-call`).
/// - `merged`: two loads of different fields reach one `call *%rax`
///   (dataflow: `shared-by-ops`); naive: two guesses inside the two `mov`s.
enum Shapes {
    static let source = """
    	.text
    	.globl ok_call
    	.type ok_call,@function
    ok_call:
    	call *paravirt_ops+8(%rip)
    	ret
    	.size ok_call,.-ok_call
    
    	.globl tail
    	.type tail,@function
    tail:
    	jmp *paravirt_ops+16(%rip)
    	.size tail,.-tail
    
    	.globl into_call
    	.type into_call,@function
    into_call:
    	testl %edi,%edi
    	jne 1f+2
    1:	call *paravirt_ops+24(%rip)
    	ret
    	.size into_call,.-into_call
    
    	.globl via_reg
    	.type via_reg,@function
    via_reg:
    	movq paravirt_ops+32(%rip),%rax
    	call *%rax
    	ret
    	.size via_reg,.-via_reg
    
    	.globl movl_only
    	.type movl_only,@function
    movl_only:
    	movl paravirt_ops+40(%rip),%eax
    	ret
    	.size movl_only,.-movl_only
    
    	.globl merged
    	.type merged,@function
    merged:
    	testl %edi,%edi
    	je 1f
    	movq paravirt_ops+48(%rip),%rax
    	jmp 2f
    1:	movq paravirt_ops+56(%rip),%rax
    2:	call *%rax
    	ret
    	.size merged,.-merged
    """
}
