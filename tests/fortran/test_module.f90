! make check (tests/fortran/module.sh): the hpclaunch Fortran module on the
! built libraries.  Strings both ways, errors with their messages, a plan
! on an XML topology (its JSON goes to plan.json, which the script
! compares with `hpclaunch plan --json`).  TAP on standard output.
program test_module
    use, intrinsic :: iso_c_binding, only: c_double, c_long_long
    use hpclaunch
    implicit none
    type(hpcl_ctx) :: ctx
    type(hpcl_topo) :: topo
    type(hpcl_plan) :: plan
    type(hpcl_job) :: job
    character(len=4096) :: xml
    character(len=:), allocatable :: json, script, msg
    integer :: ierr, n, u
    integer, allocatable :: pus(:)

    n = 0
    call get_environment_variable('HPCL_TEST_XML', xml)
    call hpcl_ctx_create(ctx, ierr)
    call ok(ierr == HPCL_OK, 'hpcl_ctx_create')
    call ok(hpcl_version() /= '' .and. hpcl_strerror(HPCL_E_PLAN) /= '', &
        'hpcl_version ' // hpcl_version() // ', hpcl_strerror')

    ! A plan on the XML: 4 tasks with 1 GPU each; the JSON is compared by
    ! the script.  The path is padded with blanks, as Fortran strings are.
    call hpcl_topo_load_xml(topo, ctx, xml, ierr)
    call ok(ierr == HPCL_OK, 'hpcl_topo_load_xml(' // trim(xml) // ') ' // &
        hpcl_ctx_errmsg(ctx))
    call hpcl_plan_create(plan, topo, ierr)
    call hpcl_plan_set_ntasks(plan, 4, ierr)
    call hpcl_plan_set_gpus_per_task(plan, 1, ierr)
    call hpcl_plan_compute(plan, ierr)
    call ok(ierr == HPCL_OK .and. hpcl_plan_ntasks(plan) == 4, &
        '4 tasks x 1 GPU computed ' // hpcl_ctx_errmsg(ctx))
    call hpcl_plan_to_json(plan, json, ierr)
    call ok(ierr == HPCL_OK .and. json(1:1) == '{', 'hpcl_plan_to_json')
    open (newunit=u, file='plan.json', status='replace', action='write')
    write (u, '(a)') json
    close (u)
    call hpcl_plan_task_pus(plan, 0, pus)
    call ok(size(pus) == 1 .and. hpcl_plan_task_cpuset(plan, 0) /= '', &
        'task 0: one PU, cpuset ' // hpcl_plan_task_cpuset(plan, 0))
    call ok(hpcl_plan_task_cpuset(plan, 99) == '', &
        'task 99 out of range: empty cpuset')

    ! Too many tasks: HPCL_E_PLAN, the message says what would fit.
    call hpcl_plan_set_ntasks(plan, 10000, ierr)
    call hpcl_plan_compute(plan, ierr)
    msg = hpcl_ctx_errmsg(ctx)
    call ok(ierr == HPCL_E_PLAN .and. index(msg, 'would fit') > 0, &
        '10000 tasks: HPCL_E_PLAN: ' // msg)
    call hpcl_plan_destroy(plan)
    call hpcl_topo_destroy(topo)
    call hpcl_topo_load_xml(topo, ctx, '/nonexistent/node.xml', ierr)
    call ok(ierr /= HPCL_OK .and. &
        index(hpcl_ctx_errmsg(ctx), '/nonexistent/node.xml') > 0, &
        'a missing XML: an error naming it')

    ! Jobs, offline: arguments keep inner blanks, lose trailing ones.
    call hpcl_job_create(job, ctx, ierr)
    call hpcl_job_set_command(job, [character(len=8) :: './app', 'a b', &
        'x'], ierr)
    call hpcl_job_set_ntasks(job, 4, ierr)
    call hpcl_job_set_name(job, 'fortran   ', ierr)
    call hpcl_job_set_time_limit(job, HPCL_TIME_UNLIMITED, ierr)
    call hpcl_job_script(job, script, ierr)
    call ok(ierr == HPCL_OK .and. index(script, "'./app' 'a b' 'x'") > 0 &
        .and. index(script, '--job-name=fortran' // new_line('a')) > 0 &
        .and. index(script, '--ntasks=4') > 0 &
        .and. index(script, '--time=UNLIMITED') > 0, &
        'hpcl_job_script: quoted command, name, tasks, time')
    call ok(hpcl_job_ref(job) == '', 'hpcl_job_ref before submit: empty')
    call ok(hpcl_state_name(HPCL_STATE_COMPLETED) == 'COMPLETED', &
        'hpcl_state_name')
    ! Data and choice (issue 16): accepted, and refused with a message.
    call hpcl_job_set_input(job, [character(len=12) :: 'in.dat', &
        'params/'], ierr)
    call ok(ierr == HPCL_OK, 'hpcl_job_set_input of two paths')
    call hpcl_job_set_output_back(job, [character(len=8) :: 'out.h5'], ierr)
    call ok(ierr == HPCL_OK, 'hpcl_job_set_output_back')
    call hpcl_job_set_budget(job, 12.5_c_double, ierr)
    call ok(ierr == HPCL_OK, 'hpcl_job_set_budget')
    call hpcl_job_set_prefer(job, HPCL_PREFER_COST, ierr)
    call ok(ierr == HPCL_OK, 'hpcl_job_set_prefer(HPCL_PREFER_COST)')
    call hpcl_job_set_prefer(job, 9, ierr)
    call ok(ierr == HPCL_E_INVAL .and. &
        index(hpcl_ctx_errmsg(ctx), 'HPCL_PREFER_START') > 0, &
        'hpcl_job_set_prefer(9): HPCL_E_INVAL naming the choices')
    call hpcl_job_set_deadline(job, -5_c_long_long, ierr)
    call ok(ierr == HPCL_E_INVAL, 'hpcl_job_set_deadline(-5): HPCL_E_INVAL')
    call hpcl_job_fetch(job, ierr)
    call ok(ierr /= HPCL_OK, 'hpcl_job_fetch of a job never submitted fails')
    call hpcl_job_destroy(job)
    call hpcl_job_attach(job, ctx, 'local:notanumber', ierr)
    call ok(ierr == HPCL_E_INVAL, 'hpcl_job_attach(a bad ref): HPCL_E_INVAL')
    call hpcl_ctx_destroy(ctx)

    ! hpcl_pin outside a launcher: HPCL_E_CONFIG and its message.
    call hpcl_pin(ierr, msg)
    call ok(ierr == HPCL_E_CONFIG .and. index(msg, 'local rank') > 0, &
        'hpcl_pin without a launcher: HPCL_E_CONFIG: ' // msg)
    write (*, '(a,i0)') '1..', n
    ! Main program variables are never freed by the runtime (they are
    ! saved); a leak checker would take them for leaks.
    deallocate (json, script, msg, pus)

contains

    subroutine ok(cond, what)
        logical, intent(in) :: cond
        character(len=*), intent(in) :: what
        character(len=16) :: num

        n = n + 1
        write (num, '(i0)') n
        if (cond) then
            write (*, '(a)') 'ok ' // trim(num) // ' - ' // what
        else
            write (*, '(a)') 'not ok ' // trim(num) // ' - ' // what
        end if
    end subroutine
end program test_module
