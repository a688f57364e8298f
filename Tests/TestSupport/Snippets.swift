/// Small C sources for ObjectFile-level tests: an ops table reached through
/// the forms gcc emits (call through memory, tail jump, load, address,
/// compare, store), independent of the corpus.
public enum Snippets {
    public static let opsTable = """
    struct ops {
        const char *name;
        long enabled;
        void (*irq_disable)(void);
        void (*irq_enable)(void);
        unsigned long (*save_fl)(void);
        void (*write_cr3)(unsigned long);
        unsigned long (*read_cr2)(void);
        void (*flush)(unsigned long addr);
    };
    extern struct ops paravirt_ops;
    extern void native_irq_disable(void);
    extern unsigned long counter;

    void disable(void) { paravirt_ops.irq_disable(); counter++; }
    void tail(void) { paravirt_ops.irq_enable(); }
    unsigned long flags(void) { return paravirt_ops.save_fl() & 0x200; }
    void loop(unsigned long *p, int n) { for (int i = 0; i < n; i++) paravirt_ops.flush(p[i]); }
    int is_native(void) { return paravirt_ops.irq_disable == native_irq_disable; }
    void setup(void) { paravirt_ops.irq_disable = native_irq_disable; }
    long enabled(void) { return paravirt_ops.enabled; }
    struct ops *table(void) { return &paravirt_ops; }
    void cr3(unsigned long v) { if (v) paravirt_ops.write_cr3(v); else paravirt_ops.write_cr3(paravirt_ops.read_cr2()); }
    """

    /// Definitions that let `opsTable` link into an executable (append them).
    public static let opsStubs = """
    struct ops paravirt_ops;
    unsigned long counter;
    void native_irq_disable(void) {}
    void _start(void) {}
    """
}
