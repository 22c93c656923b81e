! hpclaunch: the Fortran 2008 module (ISO_C_BINDING) over libhpclaunch.
!
! Pinning (hpcl_pin), placement plans and batch jobs with Fortran strings
! and integers: every routine that can fail is a subroutine whose last
! argument, ierr, receives the hpcl_rc code (HPCL_OK on success); the
! detail is hpcl_ctx_errmsg(ctx).  Strings given to the library lose their
! trailing blanks (Fortran pads them) and gain the C terminator here, so a
! caller never writes c_null_char; strings from the library come back as
! allocatable character(len=:) of their exact length.  See
! hpclaunch-fortran(3).
module hpclaunch
    use, intrinsic :: iso_c_binding
    implicit none
    private

    ! hpcl_rc (include/hpclaunch/common.h); append only, as there.
    integer, parameter, public :: HPCL_OK = 0, HPCL_E_INVAL = 1, &
        HPCL_E_NOMEM = 2, HPCL_E_SYSTEM = 3, HPCL_E_CONFIG = 4, &
        HPCL_E_SLURM = 5, HPCL_E_UNREACHABLE = 6, HPCL_E_TIMEOUT = 7, &
        HPCL_E_NOJOB = 8, HPCL_E_AMBIGUOUS = 9, HPCL_E_TOPOLOGY = 10, &
        HPCL_E_NOGPU = 11, HPCL_E_PLAN = 12, HPCL_E_REST = 13, &
        HPCL_E_AUTH = 14, HPCL_E_NOBACKEND = 15, HPCL_E_UNSUPPORTED = 16
    ! hpcl_state (include/hpclaunch/job.h).
    integer, parameter, public :: HPCL_STATE_UNKNOWN = 0, &
        HPCL_STATE_PENDING = 1, HPCL_STATE_RUNNING = 2, &
        HPCL_STATE_COMPLETED = 3, HPCL_STATE_FAILED = 4, &
        HPCL_STATE_CANCELLED = 5, HPCL_STATE_TIMEOUT = 6
    integer, parameter, public :: HPCL_LAUNCHER_SRUN = 0, &
        HPCL_LAUNCHER_MPIRUN = 1, HPCL_LAUNCHER_NONE = 2
    integer, parameter, public :: HPCL_DIST_SPREAD = 0, HPCL_DIST_COMPACT = 1
    integer, parameter, public :: HPCL_SUBMIT_DRY_RUN = 1, HPCL_SUBMIT_PROBE_ALL = 2
    ! The C 0xffffffff of HPCL_TIME_UNLIMITED, as a Fortran default integer.
    integer, parameter, public :: HPCL_TIME_UNLIMITED = -1
    ! What the site choice minimises (hpcl_job_set_prefer(3)).
    integer, parameter, public :: HPCL_PREFER_START = 0, &
        HPCL_PREFER_FINISH = 1, HPCL_PREFER_COST = 2, HPCL_PREFER_CARBON = 3

    ! Handles: a C pointer each, null until created and after destroy.
    type, public :: hpcl_ctx
        type(c_ptr) :: ptr = c_null_ptr
    end type
    type, public :: hpcl_topo
        type(c_ptr) :: ptr = c_null_ptr
    end type
    type, public :: hpcl_plan
        type(c_ptr) :: ptr = c_null_ptr
    end type
    type, public :: hpcl_job
        type(c_ptr) :: ptr = c_null_ptr
    end type

    public :: hpcl_pin, hpcl_local_rank, hpcl_strerror, hpcl_version
    public :: hpcl_ctx_create, hpcl_ctx_destroy, hpcl_ctx_errmsg, &
        hpcl_ctx_load_sites
    public :: hpcl_topo_load, hpcl_topo_load_xml, hpcl_topo_destroy
    public :: hpcl_plan_create, hpcl_plan_destroy, hpcl_plan_set_ntasks, &
        hpcl_plan_set_threads_per_task, hpcl_plan_set_gpus_per_task, &
        hpcl_plan_set_smt, hpcl_plan_set_distribution, &
        hpcl_plan_set_from_env, hpcl_plan_compute, hpcl_plan_ntasks, &
        hpcl_plan_task_cpuset, hpcl_plan_task_pus, hpcl_plan_to_json, &
        hpcl_plan_to_table, hpcl_plan_apply
    public :: hpcl_job_create, hpcl_job_destroy, hpcl_job_set_command, &
        hpcl_job_set_ntasks, hpcl_job_set_nodes, &
        hpcl_job_set_cpus_per_task, hpcl_job_set_time_limit, &
        hpcl_job_set_hold, hpcl_job_set_name, hpcl_job_set_output, &
        hpcl_job_set_partition, hpcl_job_set_site, hpcl_job_script, &
        hpcl_job_submit, &
        hpcl_job_ref, hpcl_job_attach, hpcl_job_refresh, hpcl_job_status, &
        hpcl_job_state, hpcl_job_exit_code, hpcl_job_wait, &
        hpcl_job_cancel, hpcl_state_name
    public :: hpcl_job_set_input, hpcl_job_set_output_back, &
        hpcl_job_set_deadline, hpcl_job_set_budget, hpcl_job_set_prefer, &
        hpcl_job_fetch

    ! The C functions, under private names: the public names above are
    ! the Fortran procedures that wrap them.
    interface
        integer(c_size_t) function c_strlen(s) bind(C, name='strlen')
            import :: c_size_t, c_ptr
            type(c_ptr), value :: s
        end function
        subroutine c_free(p) bind(C, name='free')
            import :: c_ptr
            type(c_ptr), value :: p
        end subroutine
        type(c_ptr) function c_strerror(rc) bind(C, name='hpcl_strerror')
            import :: c_ptr, c_int
            integer(c_int), value :: rc
        end function
        type(c_ptr) function c_version() bind(C, name='hpcl_version')
            import :: c_ptr
        end function
        integer(c_int) function c_ctx_create(out, flags) &
                bind(C, name='hpcl_ctx_create')
            import :: c_int, c_ptr
            type(c_ptr), intent(out) :: out
            integer(c_int), value :: flags
        end function
        subroutine c_ctx_destroy(ctx) bind(C, name='hpcl_ctx_destroy')
            import :: c_ptr
            type(c_ptr), value :: ctx
        end subroutine
        type(c_ptr) function c_ctx_errmsg(ctx) &
                bind(C, name='hpcl_ctx_errmsg')
            import :: c_ptr
            type(c_ptr), value :: ctx
        end function
        integer(c_int) function c_ctx_load_sites(ctx, path, flags) &
                bind(C, name='hpcl_ctx_load_sites')
            import :: c_int, c_ptr
            type(c_ptr), value :: ctx, path
            integer(c_int), value :: flags
        end function
        integer(c_int) function c_pin_self(ctx, flags) &
                bind(C, name='hpcl_pin_self')
            import :: c_int, c_ptr
            type(c_ptr), value :: ctx
            integer(c_int), value :: flags
        end function
        integer(c_int) function c_local_rank(rank, size, ctx) &
                bind(C, name='hpcl_local_rank')
            import :: c_int, c_ptr
            integer(c_int), intent(out) :: rank, size
            type(c_ptr), value :: ctx
        end function
        integer(c_int) function c_topo_load(out, ctx, flags) &
                bind(C, name='hpcl_topo_load')
            import :: c_int, c_ptr
            type(c_ptr), intent(out) :: out
            type(c_ptr), value :: ctx
            integer(c_int), value :: flags
        end function
        integer(c_int) function c_topo_load_xml(out, ctx, path, flags) &
                bind(C, name='hpcl_topo_load_xml')
            import :: c_int, c_ptr, c_char
            type(c_ptr), intent(out) :: out
            type(c_ptr), value :: ctx
            character(kind=c_char), intent(in) :: path(*)
            integer(c_int), value :: flags
        end function
        subroutine c_topo_destroy(topo) bind(C, name='hpcl_topo_destroy')
            import :: c_ptr
            type(c_ptr), value :: topo
        end subroutine
        integer(c_int) function c_plan_create(out, topo) &
                bind(C, name='hpcl_plan_create')
            import :: c_int, c_ptr
            type(c_ptr), intent(out) :: out
            type(c_ptr), value :: topo
        end function
        subroutine c_plan_destroy(plan) bind(C, name='hpcl_plan_destroy')
            import :: c_ptr
            type(c_ptr), value :: plan
        end subroutine
        ! C's unsigned arguments are passed as c_int: the same bits for
        ! every count a plan or job can take.
        integer(c_int) function c_plan_set_ntasks(plan, n) &
                bind(C, name='hpcl_plan_set_ntasks')
            import :: c_int, c_ptr
            type(c_ptr), value :: plan
            integer(c_int), value :: n
        end function
        integer(c_int) function c_plan_set_threads(plan, n) &
                bind(C, name='hpcl_plan_set_threads_per_task')
            import :: c_int, c_ptr
            type(c_ptr), value :: plan
            integer(c_int), value :: n
        end function
        integer(c_int) function c_plan_set_gpus(plan, n) &
                bind(C, name='hpcl_plan_set_gpus_per_task')
            import :: c_int, c_ptr
            type(c_ptr), value :: plan
            integer(c_int), value :: n
        end function
        integer(c_int) function c_plan_set_smt(plan, n) &
                bind(C, name='hpcl_plan_set_smt')
            import :: c_int, c_ptr
            type(c_ptr), value :: plan
            integer(c_int), value :: n
        end function
        integer(c_int) function c_plan_set_distribution(plan, n) &
                bind(C, name='hpcl_plan_set_distribution')
            import :: c_int, c_ptr
            type(c_ptr), value :: plan
            integer(c_int), value :: n
        end function
        integer(c_int) function c_plan_set_from_env(plan, flags) &
                bind(C, name='hpcl_plan_set_from_env')
            import :: c_int, c_ptr
            type(c_ptr), value :: plan
            integer(c_int), value :: flags
        end function
        integer(c_int) function c_plan_compute(plan) &
                bind(C, name='hpcl_plan_compute')
            import :: c_int, c_ptr
            type(c_ptr), value :: plan
        end function
        integer(c_int) function c_plan_ntasks(plan) &
                bind(C, name='hpcl_plan_ntasks')
            import :: c_int, c_ptr
            type(c_ptr), value :: plan
        end function
        type(c_ptr) function c_plan_task_cpuset(plan, rank) &
                bind(C, name='hpcl_plan_task_cpuset')
            import :: c_int, c_ptr
            type(c_ptr), value :: plan
            integer(c_int), value :: rank
        end function
        type(c_ptr) function c_plan_task_pus(plan, rank, n) &
                bind(C, name='hpcl_plan_task_pus')
            import :: c_int, c_ptr
            type(c_ptr), value :: plan
            integer(c_int), value :: rank
            integer(c_int), intent(out) :: n
        end function
        integer(c_int) function c_plan_to_json(out, plan, flags) &
                bind(C, name='hpcl_plan_to_json')
            import :: c_int, c_ptr
            type(c_ptr), intent(out) :: out
            type(c_ptr), value :: plan
            integer(c_int), value :: flags
        end function
        integer(c_int) function c_plan_to_table(out, plan, flags) &
                bind(C, name='hpcl_plan_to_table')
            import :: c_int, c_ptr
            type(c_ptr), intent(out) :: out
            type(c_ptr), value :: plan
            integer(c_int), value :: flags
        end function
        integer(c_int) function c_plan_apply(plan, rank, flags) &
                bind(C, name='hpcl_plan_apply')
            import :: c_int, c_ptr
            type(c_ptr), value :: plan
            integer(c_int), value :: rank, flags
        end function
        integer(c_int) function c_job_create(out, ctx) &
                bind(C, name='hpcl_job_create')
            import :: c_int, c_ptr
            type(c_ptr), intent(out) :: out
            type(c_ptr), value :: ctx
        end function
        subroutine c_job_destroy(job) bind(C, name='hpcl_job_destroy')
            import :: c_ptr
            type(c_ptr), value :: job
        end subroutine
        integer(c_int) function c_job_set_command(job, argc, argv) &
                bind(C, name='hpcl_job_set_command')
            import :: c_int, c_ptr
            type(c_ptr), value :: job
            integer(c_int), value :: argc
            type(c_ptr), intent(in) :: argv(*)
        end function
        integer(c_int) function c_job_set_ntasks(job, n) &
                bind(C, name='hpcl_job_set_ntasks')
            import :: c_int, c_ptr
            type(c_ptr), value :: job
            integer(c_int), value :: n
        end function
        integer(c_int) function c_job_set_nodes(job, nmin, nmax) &
                bind(C, name='hpcl_job_set_nodes')
            import :: c_int, c_ptr
            type(c_ptr), value :: job
            integer(c_int), value :: nmin, nmax
        end function
        integer(c_int) function c_job_set_cpus_per_task(job, n) &
                bind(C, name='hpcl_job_set_cpus_per_task')
            import :: c_int, c_ptr
            type(c_ptr), value :: job
            integer(c_int), value :: n
        end function
        integer(c_int) function c_job_set_time_limit(job, n) &
                bind(C, name='hpcl_job_set_time_limit')
            import :: c_int, c_ptr
            type(c_ptr), value :: job
            integer(c_int), value :: n
        end function
        integer(c_int) function c_job_set_hold(job, n) &
                bind(C, name='hpcl_job_set_hold')
            import :: c_int, c_ptr
            type(c_ptr), value :: job
            integer(c_int), value :: n
        end function
        integer(c_int) function c_job_set_name(job, s) &
                bind(C, name='hpcl_job_set_name')
            import :: c_int, c_ptr, c_char
            type(c_ptr), value :: job
            character(kind=c_char), intent(in) :: s(*)
        end function
        integer(c_int) function c_job_set_output(job, s) &
                bind(C, name='hpcl_job_set_output')
            import :: c_int, c_ptr, c_char
            type(c_ptr), value :: job
            character(kind=c_char), intent(in) :: s(*)
        end function
        integer(c_int) function c_job_set_partition(job, s) &
                bind(C, name='hpcl_job_set_partition')
            import :: c_int, c_ptr, c_char
            type(c_ptr), value :: job
            character(kind=c_char), intent(in) :: s(*)
        end function
        integer(c_int) function c_job_set_site(job, s) &
                bind(C, name='hpcl_job_set_site')
            import :: c_int, c_ptr, c_char
            type(c_ptr), value :: job
            character(kind=c_char), intent(in) :: s(*)
        end function
        integer(c_int) function c_job_script(out, job) &
                bind(C, name='hpcl_job_script')
            import :: c_int, c_ptr
            type(c_ptr), intent(out) :: out
            type(c_ptr), value :: job
        end function
        integer(c_int) function c_job_submit(job, flags) &
                bind(C, name='hpcl_job_submit')
            import :: c_int, c_ptr
            type(c_ptr), value :: job
            integer(c_int), value :: flags
        end function
        type(c_ptr) function c_job_ref(job) bind(C, name='hpcl_job_ref')
            import :: c_ptr
            type(c_ptr), value :: job
        end function
        integer(c_int) function c_job_attach(out, ctx, ref) &
                bind(C, name='hpcl_job_attach')
            import :: c_int, c_ptr, c_char
            type(c_ptr), intent(out) :: out
            type(c_ptr), value :: ctx
            character(kind=c_char), intent(in) :: ref(*)
        end function
        integer(c_int) function c_job_refresh(job) &
                bind(C, name='hpcl_job_refresh')
            import :: c_int, c_ptr
            type(c_ptr), value :: job
        end function
        integer(c_int) function c_job_state(job) &
                bind(C, name='hpcl_job_state')
            import :: c_int, c_ptr
            type(c_ptr), value :: job
        end function
        integer(c_int) function c_job_exit_code(job) &
                bind(C, name='hpcl_job_exit_code')
            import :: c_int, c_ptr
            type(c_ptr), value :: job
        end function
        integer(c_int) function c_job_wait(job, timeout) &
                bind(C, name='hpcl_job_wait')
            import :: c_int, c_ptr, c_double
            type(c_ptr), value :: job
            real(c_double), value :: timeout
        end function
        integer(c_int) function c_job_cancel(job) &
                bind(C, name='hpcl_job_cancel')
            import :: c_int, c_ptr
            type(c_ptr), value :: job
        end function
        integer(c_int) function c_job_set_input(job, n, paths) &
                bind(C, name='hpcl_job_set_input')
            import :: c_int, c_ptr, c_size_t
            type(c_ptr), value :: job
            integer(c_size_t), value :: n
            type(c_ptr), intent(in) :: paths(*)
        end function
        integer(c_int) function c_job_set_output_back(job, n, paths) &
                bind(C, name='hpcl_job_set_output_back')
            import :: c_int, c_ptr, c_size_t
            type(c_ptr), value :: job
            integer(c_size_t), value :: n
            type(c_ptr), intent(in) :: paths(*)
        end function
        integer(c_int) function c_job_set_deadline(job, when) &
                bind(C, name='hpcl_job_set_deadline')
            import :: c_int, c_ptr, c_long_long
            type(c_ptr), value :: job
            integer(c_long_long), value :: when
        end function
        integer(c_int) function c_job_set_budget(job, amount) &
                bind(C, name='hpcl_job_set_budget')
            import :: c_int, c_ptr, c_double
            type(c_ptr), value :: job
            real(c_double), value :: amount
        end function
        integer(c_int) function c_job_set_prefer(job, prefer) &
                bind(C, name='hpcl_job_set_prefer')
            import :: c_int, c_ptr
            type(c_ptr), value :: job
            integer(c_int), value :: prefer
        end function
        integer(c_int) function c_job_fetch(job, flags) &
                bind(C, name='hpcl_job_fetch')
            import :: c_int, c_ptr
            type(c_ptr), value :: job
            integer(c_int), value :: flags
        end function
        type(c_ptr) function c_state_name(state) &
                bind(C, name='hpcl_state_name')
            import :: c_int, c_ptr
            integer(c_int), value :: state
        end function
    end interface

contains

    ! --- strings between Fortran and C ----------------------------------

    ! s without trailing blanks, NUL-terminated, for a char * argument.
    pure function c_str(s) result(c)
        character(len=*), intent(in) :: s
        character(kind=c_char, len=len_trim(s) + 1) :: c
        c = trim(s) // c_null_char
    end function

    ! A copy of the C string at p ('' for a null pointer).
    function f_str(p) result(s)
        type(c_ptr), intent(in) :: p
        character(len=:), allocatable :: s
        character(kind=c_char), pointer :: chars(:)
        integer :: i, n

        if (.not. c_associated(p)) then
            s = ''
            return
        end if
        n = int(c_strlen(p))
        call c_f_pointer(p, chars, [n])
        allocate(character(len=n) :: s)
        do i = 1, n
            s(i:i) = chars(i)
        end do
    end function

    ! The string the library allocated at p, then free() it.
    function f_str_free(p) result(s)
        type(c_ptr), intent(in) :: p
        character(len=:), allocatable :: s

        s = f_str(p)
        if (c_associated(p)) call c_free(p)
    end function

    ! --- pinning ----------------------------------------------------------

    ! Pin the calling task as hpcl_pin_self(3) does, with a context of its
    ! own.  Call it first, before MPI_Init: it may start the program
    ! again so that the OpenMP runtime reads its OMP_* settings.  errmsg
    ! (optional) receives the detail of a failure, '' on success.
    subroutine hpcl_pin(ierr, errmsg)
        integer, intent(out) :: ierr
        character(len=:), allocatable, intent(out), optional :: errmsg
        type(c_ptr) :: ctx

        ierr = int(c_ctx_create(ctx, 0_c_int))
        if (ierr == HPCL_OK) ierr = int(c_pin_self(ctx, 0_c_int))
        if (present(errmsg)) then
            if (ierr == HPCL_OK) then
                errmsg = ''
            else if (c_associated(ctx)) then
                errmsg = f_str(c_ctx_errmsg(ctx))
            else
                errmsg = f_str(c_strerror(int(ierr, c_int)))
            end if
        end if
        call c_ctx_destroy(ctx)
    end subroutine

    ! This task's rank among the tasks of its node, and their number, from
    ! the launcher's environment (hpcl_local_rank(3)).
    subroutine hpcl_local_rank(rank, size, ierr)
        integer, intent(out) :: rank, size, ierr
        type(c_ptr) :: ctx
        integer(c_int) :: r, s

        rank = -1
        size = 0
        ierr = int(c_ctx_create(ctx, 0_c_int))
        if (ierr == HPCL_OK) ierr = int(c_local_rank(r, s, ctx))
        if (ierr == HPCL_OK) then
            rank = int(r)
            size = int(s)
        end if
        call c_ctx_destroy(ctx)
    end subroutine

    function hpcl_strerror(rc) result(s)
        integer, intent(in) :: rc
        character(len=:), allocatable :: s
        s = f_str(c_strerror(int(rc, c_int)))
    end function

    function hpcl_version() result(s)
        character(len=:), allocatable :: s
        s = f_str(c_version())
    end function

    ! --- context ----------------------------------------------------------

    subroutine hpcl_ctx_create(ctx, ierr)
        type(hpcl_ctx), intent(out) :: ctx
        integer, intent(out) :: ierr
        ierr = int(c_ctx_create(ctx%ptr, 0_c_int))
    end subroutine

    subroutine hpcl_ctx_destroy(ctx)
        type(hpcl_ctx), intent(inout) :: ctx
        call c_ctx_destroy(ctx%ptr)
        ctx%ptr = c_null_ptr
    end subroutine

    ! The detail of the last failure on ctx ('' when none).
    function hpcl_ctx_errmsg(ctx) result(s)
        type(hpcl_ctx), intent(in) :: ctx
        character(len=:), allocatable :: s
        s = f_str(c_ctx_errmsg(ctx%ptr))
    end function

    ! Read the site file at path; path '' (or absent): $HPCLAUNCH_CONF,
    ! then the user's, then /etc/hpclaunch/hpclaunch.conf.
    subroutine hpcl_ctx_load_sites(ctx, ierr, path)
        type(hpcl_ctx), intent(inout) :: ctx
        integer, intent(out) :: ierr
        character(len=*), intent(in), optional :: path
        character(kind=c_char, len=:), allocatable, target :: cpath

        if (present(path)) then
            if (len_trim(path) > 0) then
                cpath = c_str(path)
                ierr = int(c_ctx_load_sites(ctx%ptr, c_loc(cpath), 0_c_int))
                return
            end if
        end if
        ierr = int(c_ctx_load_sites(ctx%ptr, c_null_ptr, 0_c_int))
    end subroutine

    ! --- topology and plan ------------------------------------------------

    ! This machine's topology, restricted to the CPUs this task may use.
    subroutine hpcl_topo_load(topo, ctx, ierr)
        type(hpcl_topo), intent(out) :: topo
        type(hpcl_ctx), intent(in) :: ctx
        integer, intent(out) :: ierr
        ierr = int(c_topo_load(topo%ptr, ctx%ptr, 0_c_int))
    end subroutine

    ! The topology stored in an hwloc XML file (lstopo --of xml).
    subroutine hpcl_topo_load_xml(topo, ctx, path, ierr)
        type(hpcl_topo), intent(out) :: topo
        type(hpcl_ctx), intent(in) :: ctx
        character(len=*), intent(in) :: path
        integer, intent(out) :: ierr
        ierr = int(c_topo_load_xml(topo%ptr, ctx%ptr, c_str(path), 0_c_int))
    end subroutine

    subroutine hpcl_topo_destroy(topo)
        type(hpcl_topo), intent(inout) :: topo
        call c_topo_destroy(topo%ptr)
        topo%ptr = c_null_ptr
    end subroutine

    subroutine hpcl_plan_create(plan, topo, ierr)
        type(hpcl_plan), intent(out) :: plan
        type(hpcl_topo), intent(in) :: topo
        integer, intent(out) :: ierr
        ierr = int(c_plan_create(plan%ptr, topo%ptr))
    end subroutine

    subroutine hpcl_plan_destroy(plan)
        type(hpcl_plan), intent(inout) :: plan
        call c_plan_destroy(plan%ptr)
        plan%ptr = c_null_ptr
    end subroutine

    subroutine hpcl_plan_set_ntasks(plan, n, ierr)
        type(hpcl_plan), intent(in) :: plan
        integer, intent(in) :: n
        integer, intent(out) :: ierr
        ierr = int(c_plan_set_ntasks(plan%ptr, int(n, c_int)))
    end subroutine

    subroutine hpcl_plan_set_threads_per_task(plan, n, ierr)
        type(hpcl_plan), intent(in) :: plan
        integer, intent(in) :: n
        integer, intent(out) :: ierr
        ierr = int(c_plan_set_threads(plan%ptr, int(n, c_int)))
    end subroutine

    subroutine hpcl_plan_set_gpus_per_task(plan, n, ierr)
        type(hpcl_plan), intent(in) :: plan
        integer, intent(in) :: n
        integer, intent(out) :: ierr
        ierr = int(c_plan_set_gpus(plan%ptr, int(n, c_int)))
    end subroutine

    subroutine hpcl_plan_set_smt(plan, n, ierr)
        type(hpcl_plan), intent(in) :: plan
        integer, intent(in) :: n
        integer, intent(out) :: ierr
        ierr = int(c_plan_set_smt(plan%ptr, int(n, c_int)))
    end subroutine

    ! dist: HPCL_DIST_SPREAD or HPCL_DIST_COMPACT.
    subroutine hpcl_plan_set_distribution(plan, dist, ierr)
        type(hpcl_plan), intent(in) :: plan
        integer, intent(in) :: dist
        integer, intent(out) :: ierr
        ierr = int(c_plan_set_distribution(plan%ptr, int(dist, c_int)))
    end subroutine

    subroutine hpcl_plan_set_from_env(plan, ierr)
        type(hpcl_plan), intent(in) :: plan
        integer, intent(out) :: ierr
        ierr = int(c_plan_set_from_env(plan%ptr, 0_c_int))
    end subroutine

    subroutine hpcl_plan_compute(plan, ierr)
        type(hpcl_plan), intent(in) :: plan
        integer, intent(out) :: ierr
        ierr = int(c_plan_compute(plan%ptr))
    end subroutine

    integer function hpcl_plan_ntasks(plan)
        type(hpcl_plan), intent(in) :: plan
        hpcl_plan_ntasks = int(c_plan_ntasks(plan%ptr))
    end function

    ! Task rank's CPU set in hwloc list syntax ("0-3,8"); '' when rank is
    ! out of range or the plan is not computed.  Ranks count from 0.
    function hpcl_plan_task_cpuset(plan, rank) result(s)
        type(hpcl_plan), intent(in) :: plan
        integer, intent(in) :: rank
        character(len=:), allocatable :: s
        s = f_str(c_plan_task_cpuset(plan%ptr, int(rank, c_int)))
    end function

    ! Task rank's PUs, one per thread (OS indexes); size 0 when none.
    subroutine hpcl_plan_task_pus(plan, rank, pus)
        type(hpcl_plan), intent(in) :: plan
        integer, intent(in) :: rank
        integer, allocatable, intent(out) :: pus(:)
        integer(c_int), pointer :: cpus(:)
        integer(c_int) :: n
        type(c_ptr) :: p

        p = c_plan_task_pus(plan%ptr, int(rank, c_int), n)
        if (.not. c_associated(p)) n = 0
        allocate(pus(n))
        if (n == 0) return
        call c_f_pointer(p, cpus, [n])
        pus = int(cpus)
    end subroutine

    subroutine hpcl_plan_to_json(plan, json, ierr)
        type(hpcl_plan), intent(in) :: plan
        character(len=:), allocatable, intent(out) :: json
        integer, intent(out) :: ierr
        type(c_ptr) :: out

        out = c_null_ptr
        ierr = int(c_plan_to_json(out, plan%ptr, 0_c_int))
        json = f_str_free(out)
    end subroutine

    subroutine hpcl_plan_to_table(plan, table, ierr)
        type(hpcl_plan), intent(in) :: plan
        character(len=:), allocatable, intent(out) :: table
        integer, intent(out) :: ierr
        type(c_ptr) :: out

        out = c_null_ptr
        ierr = int(c_plan_to_table(out, plan%ptr, 0_c_int))
        table = f_str_free(out)
    end subroutine

    ! Bind the calling process to task rank's CPUs and set its variables.
    subroutine hpcl_plan_apply(plan, rank, ierr)
        type(hpcl_plan), intent(in) :: plan
        integer, intent(in) :: rank
        integer, intent(out) :: ierr
        ierr = int(c_plan_apply(plan%ptr, int(rank, c_int), 0_c_int))
    end subroutine

    ! --- jobs -------------------------------------------------------------

    subroutine hpcl_job_create(job, ctx, ierr)
        type(hpcl_job), intent(out) :: job
        type(hpcl_ctx), intent(in) :: ctx
        integer, intent(out) :: ierr
        ierr = int(c_job_create(job%ptr, ctx%ptr))
    end subroutine

    subroutine hpcl_job_destroy(job)
        type(hpcl_job), intent(inout) :: job
        call c_job_destroy(job%ptr)
        job%ptr = c_null_ptr
    end subroutine

    ! The program and its arguments: argv(1) is the program.  Each element
    ! loses its trailing blanks.
    ! strs (trailing blanks dropped) as C strings in buf, their addresses
    ! in ptrs: an argv for the library.
    subroutine c_strings(strs, buf, ptrs)
        character(len=*), intent(in) :: strs(:)
        character(kind=c_char), allocatable, target, intent(out) :: buf(:)
        type(c_ptr), allocatable, intent(out) :: ptrs(:)
        integer :: i, k, at, n

        n = size(strs)
        allocate(buf(sum(len_trim(strs)) + n), ptrs(max(n, 1)))
        at = 1
        do i = 1, n
            ptrs(i) = c_loc(buf(at))
            do k = 1, len_trim(strs(i))
                buf(at) = strs(i)(k:k)
                at = at + 1
            end do
            buf(at) = c_null_char
            at = at + 1
        end do
    end subroutine

    subroutine hpcl_job_set_command(job, argv, ierr)
        type(hpcl_job), intent(in) :: job
        character(len=*), intent(in) :: argv(:)
        integer, intent(out) :: ierr
        character(kind=c_char), allocatable, target :: buf(:)
        type(c_ptr), allocatable :: ptrs(:)

        call c_strings(argv, buf, ptrs)
        ierr = int(c_job_set_command(job%ptr, int(size(argv), c_int), ptrs))
    end subroutine

    ! The files or folders the job reads, staged to the site it goes to.
    subroutine hpcl_job_set_input(job, paths, ierr)
        type(hpcl_job), intent(in) :: job
        character(len=*), intent(in) :: paths(:)
        integer, intent(out) :: ierr
        character(kind=c_char), allocatable, target :: buf(:)
        type(c_ptr), allocatable :: ptrs(:)

        call c_strings(paths, buf, ptrs)
        ierr = int(c_job_set_input(job%ptr, int(size(paths), c_size_t), &
            ptrs))
    end subroutine

    ! The files or folders that come home after the job (hpcl_job_fetch).
    subroutine hpcl_job_set_output_back(job, paths, ierr)
        type(hpcl_job), intent(in) :: job
        character(len=*), intent(in) :: paths(:)
        integer, intent(out) :: ierr
        character(kind=c_char), allocatable, target :: buf(:)
        type(c_ptr), allocatable :: ptrs(:)

        call c_strings(paths, buf, ptrs)
        ierr = int(c_job_set_output_back(job%ptr, &
            int(size(paths), c_size_t), ptrs))
    end subroutine

    ! A unix time by which the job must be expected to finish; 0 none.
    subroutine hpcl_job_set_deadline(job, when, ierr)
        type(hpcl_job), intent(in) :: job
        integer(c_long_long), intent(in) :: when
        integer, intent(out) :: ierr
        ierr = int(c_job_set_deadline(job%ptr, when))
    end subroutine

    ! At most amount, in the site file's currency; negative: no budget.
    subroutine hpcl_job_set_budget(job, amount, ierr)
        type(hpcl_job), intent(in) :: job
        real(c_double), intent(in) :: amount
        integer, intent(out) :: ierr
        ierr = int(c_job_set_budget(job%ptr, amount))
    end subroutine

    ! HPCL_PREFER_START (the default), _FINISH, _COST or _CARBON.
    subroutine hpcl_job_set_prefer(job, prefer, ierr)
        type(hpcl_job), intent(in) :: job
        integer, intent(in) :: prefer
        integer, intent(out) :: ierr
        ierr = int(c_job_set_prefer(job%ptr, int(prefer, c_int)))
    end subroutine

    ! Bring the output-back files home, verified; the job must have ended.
    subroutine hpcl_job_fetch(job, ierr)
        type(hpcl_job), intent(in) :: job
        integer, intent(out) :: ierr
        ierr = int(c_job_fetch(job%ptr, 0_c_int))
    end subroutine

    subroutine hpcl_job_set_ntasks(job, n, ierr)
        type(hpcl_job), intent(in) :: job
        integer, intent(in) :: n
        integer, intent(out) :: ierr
        ierr = int(c_job_set_ntasks(job%ptr, int(n, c_int)))
    end subroutine

    ! Node count range (sbatch -N min-max); max_nodes absent or 0: = min.
    subroutine hpcl_job_set_nodes(job, min_nodes, ierr, max_nodes)
        type(hpcl_job), intent(in) :: job
        integer, intent(in) :: min_nodes
        integer, intent(out) :: ierr
        integer, intent(in), optional :: max_nodes
        integer :: nmax

        nmax = 0
        if (present(max_nodes)) nmax = max_nodes
        ierr = int(c_job_set_nodes(job%ptr, int(min_nodes, c_int), &
                                   int(nmax, c_int)))
    end subroutine

    subroutine hpcl_job_set_cpus_per_task(job, n, ierr)
        type(hpcl_job), intent(in) :: job
        integer, intent(in) :: n
        integer, intent(out) :: ierr
        ierr = int(c_job_set_cpus_per_task(job%ptr, int(n, c_int)))
    end subroutine

    ! Minutes; 0 the partition's default, HPCL_TIME_UNLIMITED none.
    subroutine hpcl_job_set_time_limit(job, minutes, ierr)
        type(hpcl_job), intent(in) :: job
        integer, intent(in) :: minutes
        integer, intent(out) :: ierr
        ierr = int(c_job_set_time_limit(job%ptr, int(minutes, c_int)))
    end subroutine

    subroutine hpcl_job_set_hold(job, hold, ierr)
        type(hpcl_job), intent(in) :: job
        logical, intent(in) :: hold
        integer, intent(out) :: ierr
        ierr = int(c_job_set_hold(job%ptr, merge(1_c_int, 0_c_int, hold)))
    end subroutine

    subroutine hpcl_job_set_name(job, name, ierr)
        type(hpcl_job), intent(in) :: job
        character(len=*), intent(in) :: name
        integer, intent(out) :: ierr
        ierr = int(c_job_set_name(job%ptr, c_str(name)))
    end subroutine

    ! Output path pattern (sbatch -o: %j %A %a %x %u %N %%).
    subroutine hpcl_job_set_output(job, pattern, ierr)
        type(hpcl_job), intent(in) :: job
        character(len=*), intent(in) :: pattern
        integer, intent(out) :: ierr
        ierr = int(c_job_set_output(job%ptr, c_str(pattern)))
    end subroutine

    subroutine hpcl_job_set_partition(job, partition, ierr)
        type(hpcl_job), intent(in) :: job
        character(len=*), intent(in) :: partition
        integer, intent(out) :: ierr
        ierr = int(c_job_set_partition(job%ptr, c_str(partition)))
    end subroutine

    ! Submit to this site of the site file (the choice is then skipped).
    subroutine hpcl_job_set_site(job, site, ierr)
        type(hpcl_job), intent(in) :: job
        character(len=*), intent(in) :: site
        integer, intent(out) :: ierr
        ierr = int(c_job_set_site(job%ptr, c_str(site)))
    end subroutine

    ! The batch script hpcl_job_submit would send.
    subroutine hpcl_job_script(job, script, ierr)
        type(hpcl_job), intent(in) :: job
        character(len=:), allocatable, intent(out) :: script
        integer, intent(out) :: ierr
        type(c_ptr) :: out

        out = c_null_ptr
        ierr = int(c_job_script(out, job%ptr))
        script = f_str_free(out)
    end subroutine

    ! Submit (hpcl_job_submit(3)); flags: 0 (absent) or HPCL_SUBMIT_DRY_RUN.
    subroutine hpcl_job_submit(job, ierr, flags)
        type(hpcl_job), intent(in) :: job
        integer, intent(out) :: ierr
        integer, intent(in), optional :: flags
        integer :: f

        f = 0
        if (present(flags)) f = flags
        ierr = int(c_job_submit(job%ptr, int(f, c_int)))
    end subroutine

    ! The job's reference "SITE:ID" ('' before submission).
    function hpcl_job_ref(job) result(s)
        type(hpcl_job), intent(in) :: job
        character(len=:), allocatable :: s
        s = f_str(c_job_ref(job%ptr))
    end function

    ! A handle for an existing job named by ref ("SITE:ID" or "ID").
    subroutine hpcl_job_attach(job, ctx, ref, ierr)
        type(hpcl_job), intent(out) :: job
        type(hpcl_ctx), intent(in) :: ctx
        character(len=*), intent(in) :: ref
        integer, intent(out) :: ierr
        ierr = int(c_job_attach(job%ptr, ctx%ptr, c_str(ref)))
    end subroutine

    subroutine hpcl_job_refresh(job, ierr)
        type(hpcl_job), intent(in) :: job
        integer, intent(out) :: ierr
        ierr = int(c_job_refresh(job%ptr))
    end subroutine

    ! Refresh, then the state (HPCL_STATE_*); HPCL_STATE_UNKNOWN on error.
    subroutine hpcl_job_status(job, state, ierr)
        type(hpcl_job), intent(in) :: job
        integer, intent(out) :: state, ierr
        ierr = int(c_job_refresh(job%ptr))
        state = HPCL_STATE_UNKNOWN
        if (ierr == HPCL_OK) state = int(c_job_state(job%ptr))
    end subroutine

    ! State seen by the last refresh (HPCL_STATE_*).
    integer function hpcl_job_state(job)
        type(hpcl_job), intent(in) :: job
        hpcl_job_state = int(c_job_state(job%ptr))
    end function

    integer function hpcl_job_exit_code(job)
        type(hpcl_job), intent(in) :: job
        hpcl_job_exit_code = int(c_job_exit_code(job%ptr))
    end function

    ! Wait until the job ends, at most timeout seconds (negative or
    ! absent: no limit); HPCL_E_TIMEOUT when it still runs.
    subroutine hpcl_job_wait(job, ierr, timeout)
        type(hpcl_job), intent(in) :: job
        integer, intent(out) :: ierr
        real(c_double), intent(in), optional :: timeout
        real(c_double) :: t

        t = -1.0_c_double
        if (present(timeout)) t = timeout
        ierr = int(c_job_wait(job%ptr, t))
    end subroutine

    subroutine hpcl_job_cancel(job, ierr)
        type(hpcl_job), intent(in) :: job
        integer, intent(out) :: ierr
        ierr = int(c_job_cancel(job%ptr))
    end subroutine

    ! "PENDING", "RUNNING", ... for an HPCL_STATE_* value.
    function hpcl_state_name(state) result(s)
        integer, intent(in) :: state
        character(len=:), allocatable :: s
        s = f_str(c_state_name(int(state, c_int)))
    end function
end module hpclaunch
